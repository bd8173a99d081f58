-- CreateTable
CREATE TABLE "FileImportReport" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "accountId" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "fileName" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "sha256" TEXT NOT NULL,
    "linesTotal" INTEGER NOT NULL DEFAULT 0,
    "linesStored" INTEGER NOT NULL DEFAULT 0,
    "linesReplayed" INTEGER NOT NULL DEFAULT 0,
    "linesRejected" INTEGER NOT NULL DEFAULT 0,
    "settledTotal" BIGINT NOT NULL DEFAULT 0,
    "failureReason" TEXT,
    "linesDone" INTEGER NOT NULL DEFAULT 0,
    "leaseOwner" TEXT,
    "leaseExpiresAt" DATETIME,
    "startedAt" DATETIME,
    "finishedAt" DATETIME,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "FileImportReport_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "FileImportChunk" (
    "reportId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "bytes" BLOB NOT NULL,

    PRIMARY KEY ("reportId", "index"),
    CONSTRAINT "FileImportChunk_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "FileImportReport" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateTable
CREATE TABLE "RejectedLine" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "reportId" TEXT NOT NULL,
    "lineNumber" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "RejectedLine_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "FileImportReport" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Payment" (
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
    "invoiceNumber" TEXT,
    "idempotencyKey" TEXT,
    "requestHash" TEXT NOT NULL,
    "origin" TEXT NOT NULL,
    "fileImportReportId" TEXT,
    "etag" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Payment_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Payment_creditorId_fkey" FOREIGN KEY ("creditorId") REFERENCES "Creditor" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Payment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case" ("id") ON DELETE RESTRICT ON UPDATE CASCADE,
    CONSTRAINT "Payment_fileImportReportId_fkey" FOREIGN KEY ("fileImportReportId") REFERENCES "FileImportReport" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Payment" ("accountId", "amount", "bankTransactionDate", "bookingDate", "caseId", "clientRegistrationDate", "createdAt", "creditorId", "creditorPaymentReference", "currency", "etag", "id", "idempotencyKey", "invoiceNumber", "origin", "requestHash", "settledCapital", "settledCosts", "settledInterest", "status", "statusReasonLocale", "updatedAt") SELECT "accountId", "amount", "bankTransactionDate", "bookingDate", "caseId", "clientRegistrationDate", "createdAt", "creditorId", "creditorPaymentReference", "currency", "etag", "id", "idempotencyKey", "invoiceNumber", "origin", "requestHash", "settledCapital", "settledCosts", "settledInterest", "status", "statusReasonLocale", "updatedAt" FROM "Payment";
DROP TABLE "Payment";
ALTER TABLE "new_Payment" RENAME TO "Payment";
CREATE INDEX "Payment_accountId_createdAt_id_idx" ON "Payment"("accountId", "createdAt", "id");
CREATE INDEX "Payment_caseId_createdAt_id_idx" ON "Payment"("caseId", "createdAt", "id");
CREATE INDEX "Payment_creditorId_createdAt_id_idx" ON "Payment"("creditorId", "createdAt", "id");
CREATE INDEX "Payment_accountId_status_createdAt_id_idx" ON "Payment"("accountId", "status", "createdAt", "id");
CREATE INDEX "Payment_accountId_bankTransactionDate_idx" ON "Payment"("accountId", "bankTransactionDate");
CREATE INDEX "Payment_accountId_amount_idx" ON "Payment"("accountId", "amount");
CREATE INDEX "Payment_accountId_updatedAt_idx" ON "Payment"("accountId", "updatedAt");
CREATE INDEX "Payment_fileImportReportId_idx" ON "Payment"("fileImportReportId");
CREATE UNIQUE INDEX "Payment_creditorId_creditorPaymentReference_key" ON "Payment"("creditorId", "creditorPaymentReference");
CREATE UNIQUE INDEX "Payment_accountId_idempotencyKey_key" ON "Payment"("accountId", "idempotencyKey");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "FileImportReport_accountId_createdAt_id_idx" ON "FileImportReport"("accountId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "FileImportReport_status_leaseExpiresAt_idx" ON "FileImportReport"("status", "leaseExpiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "FileImportReport_accountId_sha256_key" ON "FileImportReport"("accountId", "sha256");

-- CreateIndex
CREATE INDEX "RejectedLine_reportId_lineNumber_id_idx" ON "RejectedLine"("reportId", "lineNumber", "id");
