-- CreateTable
CREATE TABLE "ChannelSettings" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "workspaceId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "voteWindowSeconds" INTEGER,
    "steps" INTEGER,
    "guidance" REAL,
    "fps" INTEGER,
    "extendBy" TEXT,
    "maxRounds" INTEGER,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "ChannelSettings_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE UNIQUE INDEX "ChannelSettings_workspaceId_channelId_key" ON "ChannelSettings"("workspaceId", "channelId");
