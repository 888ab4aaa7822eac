-- AlterTable
ALTER TABLE "Generation" ADD COLUMN     "flowState" JSONB;

-- CreateTable
CREATE TABLE "JobRecord" (
    "jobId" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "generationId" TEXT NOT NULL,
    "round" INTEGER,
    "result" TEXT,
    "error" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "JobRecord_pkey" PRIMARY KEY ("jobId")
);

-- CreateIndex
CREATE INDEX "JobRecord_generationId_idx" ON "JobRecord"("generationId");
