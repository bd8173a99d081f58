-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" DATETIME,
    CONSTRAINT "ApiKey_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Creditor" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "Creditor_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Case" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "creditorId" TEXT NOT NULL,
    "invoiceNumber" TEXT NOT NULL,
    "referenceNumber" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "remainingCosts" BIGINT NOT NULL,
    "remainingInterest" BIGINT NOT NULL,
    "remainingCapital" BIGINT NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Case_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Case_creditorId_fkey" FOREIGN KEY ("creditorId") REFERENCES "Creditor" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "Payment" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "creditorId" TEXT NOT NULL,
    "caseId" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "amount" BIGINT NOT NULL,
    "settledCosts" BIGINT NOT NULL,
    "settledInterest" BIGINT NOT NULL,
    "settledCapital" BIGINT NOT NULL,
    "status" TEXT NOT NULL,
    "statusReasonLocale" TEXT,
    "bankTransactionDate" DATETIME NOT NULL,
    "clientRegistrationDate" DATETIME NOT NULL,
    "bookingDate" DATETIME,
    "creditorPaymentReference" TEXT,
    "idempotencyKey" TEXT,
    "requestHash" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "fileImportReport" TEXT,
    "etag" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Payment_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Payment_creditorId_fkey" FOREIGN KEY ("creditorId") REFERENCES "Creditor" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Payment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "ApiKey_accountId_idx" ON "ApiKey"("accountId");

-- CreateIndex
CREATE INDEX "Creditor_accountId_createdAt_id_idx" ON "Creditor"("accountId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Case_accountId_createdAt_id_idx" ON "Case"("accountId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Case_creditorId_createdAt_id_idx" ON "Case"("creditorId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Case_accountId_state_createdAt_id_idx" ON "Case"("accountId", "state", "createdAt", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Case_creditorId_invoiceNumber_key" ON "Case"("creditorId", "invoiceNumber");

-- CreateIndex
CREATE INDEX "Payment_accountId_createdAt_id_idx" ON "Payment"("accountId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Payment_caseId_createdAt_id_idx" ON "Payment"("caseId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Payment_creditorId_createdAt_id_idx" ON "Payment"("creditorId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Payment_accountId_status_createdAt_id_idx" ON "Payment"("accountId", "status", "createdAt", "id");

-- CreateIndex
CREATE INDEX "Payment_accountId_bankTransactionDate_idx" ON "Payment"("accountId", "bankTransactionDate");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_creditorId_creditorPaymentReference_key" ON "Payment"("creditorId", "creditorPaymentReference");

-- CreateIndex
CREATE UNIQUE INDEX "Payment_accountId_idempotencyKey_key" ON "Payment"("accountId", "idempotencyKey");
