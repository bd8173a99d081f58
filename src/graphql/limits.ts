import { createComplexityRule } from '@pothos/plugin-complexity';
import {
  type ASTVisitor,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FragmentDefinitionNode,
  GraphQLError,
  getOperationAST,
  getVariableValues,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
  validate,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';

/**
 * What one GraphQL request may ask for; everything here is checked before any resolver runs.
 * Page sizes are capped by the domain (MAX_PAGE_SIZE in src/domain/vocabulary.ts); these bound the shape of the query.
 */
export const LIMITS = {
  /** Cost: every field 1, a list's selection multiplied by its page size (`first` or `last`, else DEFAULT_PAGE_SIZE). */
  complexity: 5_000,
  depth: 12,
  /** Fields selected, all levels together. */
  breadth: 100,
  aliases: 15,
  directives: 20,
  /** Lexical tokens in the document: stops huge queries before they are even validated fully. */
  tokens: 3_000,
  /**
   * Field selections once every fragment spread is expanded, and their nesting, over the whole
   * document (introspection included, which cost, depth and breadth leave out). Bounds the work
   * of validation and of compiling: fragments that spread the next one twice double per level.
   * GraphiQL's introspection query expands to 230 fields, 15 deep.
   */
  expandedFields: 500,
  expandedDepth: 20,
  /** Values in a request's variables: every object entry, list item and scalar counts one. */
  variableValues: 500,
  /** GraphQL errors in one answer, and characters of one error's message (they may quote input). */
  errors: 10,
  errorMessageLength: 500,
  /** Live subscriptions (SSE and WebSocket together) one account may hold open on each server process. */
  subscriptionsPerAccount: 20,
  /** Events held for one subscriber that has not taken them; past this it is ended (SUBSCRIBER_TOO_SLOW). */
  subscriberQueue: 100,
} as const;

/** The refusal of a request: 400 even for clients that accept only application/json. */
function refusal(message: string, code: string, from?: GraphQLError): GraphQLError {
  return new GraphQLError(message, {
    nodes: from?.nodes,
    source: from?.source,
    positions: from?.positions,
    originalError: from?.originalError,
    extensions: { code, ...from?.extensions, http: { status: 400, spec: false } },
  });
}

interface Shape {
  fields: number;
  depth: number;
}

/**
 * Field selections and nesting of the document with every fragment spread expanded, each
 * fragment measured once (linear in the document, however often fragments spread each other).
 */
function expandedShape(document: DocumentNode): Shape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measured = new Map<string, Shape>();
  const NOTHING: Shape = { fields: 0, depth: 0 };
  const ofFragment = (name: string): Shape => {
    const known = measured.get(name);
    if (known) return known;
    const fragment = fragments.get(name);
    // Unknown or cyclic: validation reports it.
    measured.set(name, NOTHING);
    const shape = fragment ? ofSelections(fragment.selectionSet) : NOTHING;
    measured.set(name, shape);
    return shape;
  };
  const ofSelections = (set: SelectionSetNode): Shape => {
    let fields = 0;
    let depth = 0;
    for (const selection of set.selections) {
      let shape: Shape;
      if (selection.kind === Kind.FIELD) {
        const below = selection.selectionSet ? ofSelections(selection.selectionSet) : NOTHING;
        shape = { fields: 1 + below.fields, depth: 1 + below.depth };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        shape = ofSelections(selection.selectionSet);
      } else {
        shape = ofFragment(selection.name.value);
      }
      fields += shape.fields;
      depth = Math.max(depth, shape.depth);
    }
    return { fields, depth };
  };
  let total = NOTHING;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const shape = ofSelections(definition.selectionSet);
    total = { fields: total.fields + shape.fields, depth: Math.max(total.depth, shape.depth) };
  }
  return total;
}

/** Any operation type the schema lacks is refused, not left to fail inside execution. */
function KnownOperationTypesRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation)) {
        context.reportError(
          new GraphQLError(`This service has no ${node.operation} operations.`, {
            nodes: node,
            extensions: { code: 'OPERATION_NOT_SUPPORTED', http: { status: 400, spec: false } },
          }),
        );
      }
    },
  };
}

/** Whether the values reach past `budget` (counting stops there, so a huge value costs no more than the budget). */
function remainingAfter(value: unknown, budget: number): number {
  let left = budget - 1;
  if (left < 0 || value === null || typeof value !== 'object') return left;
  if (Array.isArray(value)) {
    for (const item of value) {
      left = remainingAfter(item, left);
      if (left < 0) return left;
    }
    return left;
  }
  for (const key in value) {
    left = remainingAfter((value as Record<string, unknown>)[key], left);
    if (left < 0) return left;
  }
  return left;
}

/**
 * The limits of src/graphql/limits.ts, all checked before any compiling or executing:
 * - while validating (cached per document): the expanded size of the document, before
 *   graphql-js' own rules (some of which expand fragments pairwise), and the operation type;
 * - per request, just before execution (or before a subscription opens its stream): the size of the variables, their coercion (reporting a
 *   few errors, not one per unknown field), then cost, depth and breadth with the request's
 *   variables (Pothos' complexity rule, which knows page sizes);
 * - on every answer: how many errors it reports and how long their messages are.
 */
export function requestLimits(): Plugin {
  return {
    onValidate({ params, addValidationRule, setResult }) {
      addValidationRule(KnownOperationTypesRule);
      const shape = expandedShape(params.documentAST);
      if (shape.fields > LIMITS.expandedFields || shape.depth > LIMITS.expandedDepth) {
        setResult([
          refusal(
            `Query too large: ${shape.fields} fields ${shape.depth} deep once fragments are expanded (at most ${LIMITS.expandedFields} fields, ${LIMITS.expandedDepth} deep).`,
            'QUERY_TOO_LARGE',
          ),
        ]);
      }
    },
    // Subscriptions pass the same checks before their source stream is opened.
    onSubscribe: ({ args, setResultAndStopExecution }) => checkBeforeRunning(args, setResultAndStopExecution),
    onExecute: ({ args, setResultAndStopExecution }) => checkBeforeRunning(args, setResultAndStopExecution),
    onResultProcess({ result, setResult }) {
      if (Array.isArray(result) || isAsyncIterable(result) || !result.errors) return;
      const { errors } = result;
      if (errors.length <= LIMITS.errors && errors.every((error) => error.message.length <= LIMITS.errorMessageLength)) return;
      const shown = errors.slice(0, LIMITS.errors).map(shortened);
      const left = errors.length - shown.length;
      if (left > 0) shown.push(new GraphQLError(`${left} more errors left out.`, { extensions: { code: 'TOO_MANY_ERRORS' } }));
      setResult({ ...result, errors: shown });
    },
  };
}

/**
 * Per request, just before an operation runs (or a subscription opens its stream): the size and
 * coercion of the variables, then cost, depth and breadth with those variables.
 */
function checkBeforeRunning(args: ExecutionArgs, setResultAndStopExecution: (result: ExecutionResult) => void): void {
  const refused = (errors: readonly GraphQLError[], code: string) =>
    setResultAndStopExecution({ errors: errors.map((error) => refusal(error.message, code, error)) });
  const operation = getOperationAST(args.document, args.operationName);
  // Yoga answers a missing operation itself, before execution.
  if (!operation) return;
  const definitions = operation.variableDefinitions ?? [];
  const variables = (args.variableValues ?? {}) as Record<string, unknown>;
  let budget: number = LIMITS.variableValues;
  for (const definition of definitions) {
    budget = remainingAfter(variables[definition.variable.name.value], budget);
    if (budget < 0) {
      refused([new GraphQLError(`Variables too large: at most ${LIMITS.variableValues} values (object fields, list items and scalars).`)], 'BAD_USER_INPUT');
      return;
    }
  }
  if (definitions.length > 0) {
    const coerced = getVariableValues(args.schema, definitions, variables, { maxErrors: LIMITS.errors });
    if (coerced.errors) {
      refused(coerced.errors, 'BAD_USER_INPUT');
      return;
    }
  }
  const costErrors = validate(args.schema, args.document, [
    createComplexityRule({
      variableValues: variables,
      operationName: args.operationName ?? undefined,
      context: args.contextValue as object,
      maxComplexity: LIMITS.complexity,
      maxDepth: LIMITS.depth,
      maxBreadth: LIMITS.breadth,
    }),
  ]);
  if (costErrors.length > 0) refused(costErrors, 'QUERY_COMPLEXITY');
}

/** Characters of a value quoted in an error message. */
const QUOTE_LENGTH = 80;
/** A double-quoted value in a message (escaped quotes inside); matched in linear time. */
const QUOTED = /"(?:[^"\\]|\\[\s\S])*"/g;

function headAndTail(text: string, length: number): string {
  if (text.length <= length) return text;
  const half = Math.floor((length - 3) / 2);
  return `${text.slice(0, half)} … ${text.slice(-half)}`;
}

/**
 * A long message (one quoting a long value) keeps what names the field and says what is wrong:
 * quoted values are cut short, and only then, if still too long, the middle goes.
 */
function shortened(error: GraphQLError): GraphQLError {
  if (error.message.length <= LIMITS.errorMessageLength) return error;
  const quotesCut = (text: string) =>
    headAndTail(text, 64 * LIMITS.errorMessageLength).replace(QUOTED, (quote) =>
      quote.length > QUOTE_LENGTH + 2 ? `${quote.slice(0, QUOTE_LENGTH + 1)}…"` : quote,
    );
  let message: string;
  // graphql-js quotes a variable's whole value before the path and the reason:
  // `Variable "$input" got invalid value { ... } at "input.x"; reason`.
  const start = /^Variable "\$[^"]+" got invalid value /.exec(error.message)?.[0];
  const reason = error.originalError?.message;
  if (start !== undefined && reason !== undefined && error.message.endsWith(`; ${reason}`)) {
    const quoted = error.message.slice(start.length, error.message.length - reason.length - 2);
    const at = / at "[^"]*"$/.exec(quoted)?.[0] ?? '';
    let value = quotesCut(quoted.slice(0, quoted.length - at.length));
    if (value.length > 2 * QUOTE_LENGTH) value = `${value.slice(0, QUOTE_LENGTH)}…`;
    message = `${start}${value}${at}; ${quotesCut(reason)}`;
  } else {
    message = quotesCut(error.message);
  }
  return new GraphQLError(headAndTail(message, LIMITS.errorMessageLength), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
}
