-- AlterTable
ALTER TABLE "Generation" ADD COLUMN "flowState" JSONB;

-- CreateTable
CREATE TABLE "JobRecord" (
    "jobId" TEXT NOT NULL PRIMARY KEY,
    "kind" TEXT NOT NULL,
    "generationId" TEXT NOT NULL,
    "round" INTEGER,
    "result" TEXT,
    "error" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL
);

-- CreateIndex
CREATE INDEX "JobRecord_generationId_idx" ON "JobRecord"("generationId");
