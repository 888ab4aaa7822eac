-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Round_messageId_idx" ON "Round"("messageId");
