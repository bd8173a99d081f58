-- AlterTable
ALTER TABLE "Payment" DROP COLUMN "fileImportReport",
ADD COLUMN     "fileImportReportId" TEXT;

-- CreateTable
CREATE TABLE "FileImportReport" (
    "id" TEXT NOT NULL,
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
    "leaseExpiresAt" TIMESTAMP(3),
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FileImportReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FileImportChunk" (
    "reportId" TEXT NOT NULL,
    "index" INTEGER NOT NULL,
    "bytes" BYTEA NOT NULL,

    CONSTRAINT "FileImportChunk_pkey" PRIMARY KEY ("reportId","index")
);

-- CreateTable
CREATE TABLE "RejectedLine" (
    "id" TEXT NOT NULL,
    "reportId" TEXT NOT NULL,
    "lineNumber" INTEGER NOT NULL,
    "field" TEXT NOT NULL,
    "code" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RejectedLine_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FileImportReport_accountId_createdAt_id_idx" ON "FileImportReport"("accountId", "createdAt", "id");

-- CreateIndex
CREATE INDEX "FileImportReport_status_leaseExpiresAt_idx" ON "FileImportReport"("status", "leaseExpiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "FileImportReport_accountId_sha256_key" ON "FileImportReport"("accountId", "sha256");

-- CreateIndex
CREATE INDEX "RejectedLine_reportId_lineNumber_id_idx" ON "RejectedLine"("reportId", "lineNumber", "id");

-- CreateIndex
CREATE INDEX "Payment_fileImportReportId_idx" ON "Payment"("fileImportReportId");

-- AddForeignKey
ALTER TABLE "Payment" ADD CONSTRAINT "Payment_fileImportReportId_fkey" FOREIGN KEY ("fileImportReportId") REFERENCES "FileImportReport"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FileImportReport" ADD CONSTRAINT "FileImportReport_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FileImportChunk" ADD CONSTRAINT "FileImportChunk_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "FileImportReport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RejectedLine" ADD CONSTRAINT "RejectedLine_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "FileImportReport"("id") ON DELETE CASCADE ON UPDATE CASCADE;
