-- CreateTable
CREATE TABLE "Account" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Account_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Creditor" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Creditor_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Case" (
    "id" TEXT NOT NULL,
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
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Case_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Payment" (
    "id" TEXT NOT NULL,
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
    "bankTransactionDate" TIMESTAMP(3) NOT NULL,
    "clientRegistrationDate" TIMESTAMP(3) NOT NULL,
    "bookingDate" TIMESTAMP(3),
    "creditorPaymentReference" TEXT,
    "idempotencyKey" TEXT,
    "requestHash" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "fileImportReport" TEXT,
    "etag" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Payment_pkey" PRIMARY KEY ("id")
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

-- AddForeignKey
ALTER TABLE "ApiKey" ADD CONSTRAINT "ApiKey_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Creditor" ADD CONSTRAINT "Creditor_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_creditorId_fkey" FOREIGN KEY ("creditorId") REFERENCES "Creditor"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_creditorId_fkey" FOREIGN KEY ("creditorId") REFERENCES "Creditor"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
