-- AlterTable
ALTER TABLE "Payment" ADD COLUMN     "invoiceNumber" TEXT;

-- CreateIndex
CREATE INDEX "Payment_accountId_amount_idx" ON "Payment"("accountId", "amount");

-- CreateIndex
CREATE INDEX "Payment_accountId_updatedAt_idx" ON "Payment"("accountId", "updatedAt");
