-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "resultMessageId" TEXT;

-- CreateIndex
CREATE INDEX "Generation_resultMessageId_idx" ON "Generation"("resultMessageId");
