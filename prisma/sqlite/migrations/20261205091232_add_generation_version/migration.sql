-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Generation" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "requesterId" TEXT NOT NULL,
    "prompt" TEXT NOT NULL,
    "negativePrompt" TEXT,
    "options" JSONB NOT NULL,
    "seed" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'queued',
    "channelId" TEXT,
    "requestMessageId" TEXT,
    "replyMessageId" TEXT,
    "inputImagePath" TEXT,
    "chosenCandidateId" TEXT,
    "videoPath" TEXT,
    "gifPath" TEXT,
    "progressStage" TEXT,
    "progressStep" INTEGER,
    "progressTotal" INTEGER,
    "timings" JSONB,
    "error" TEXT,
    "flowState" JSONB,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    "finishedAt" DATETIME,
    CONSTRAINT "Generation_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Generation_requesterId_fkey" FOREIGN KEY ("requesterId") REFERENCES "User" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "Generation_chosenCandidateId_fkey" FOREIGN KEY ("chosenCandidateId") REFERENCES "Candidate" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);
INSERT INTO "new_Generation" ("channelId", "chosenCandidateId", "createdAt", "error", "finishedAt", "flowState", "gifPath", "id", "inputImagePath", "negativePrompt", "options", "progressStage", "progressStep", "progressTotal", "prompt", "replyMessageId", "requestMessageId", "requesterId", "seed", "status", "timings", "updatedAt", "videoPath", "workspaceId") SELECT "channelId", "chosenCandidateId", "createdAt", "error", "finishedAt", "flowState", "gifPath", "id", "inputImagePath", "negativePrompt", "options", "progressStage", "progressStep", "progressTotal", "prompt", "replyMessageId", "requestMessageId", "requesterId", "seed", "status", "timings", "updatedAt", "videoPath", "workspaceId" FROM "Generation";
DROP TABLE "Generation";
ALTER TABLE "new_Generation" RENAME TO "Generation";
CREATE UNIQUE INDEX "Generation_chosenCandidateId_key" ON "Generation"("chosenCandidateId");
CREATE INDEX "Generation_workspaceId_createdAt_idx" ON "Generation"("workspaceId", "createdAt");
CREATE INDEX "Generation_requesterId_createdAt_idx" ON "Generation"("requesterId", "createdAt");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE INDEX "Round_messageId_idx" ON "Round"("messageId");
