-- CreateEnum
CREATE TYPE "ExtendRule" AS ENUM ('anyone', 'requester');

-- CreateTable
CREATE TABLE "ChannelSettings" (
    "id" TEXT NOT NULL,
    "workspaceId" TEXT NOT NULL,
    "channelId" TEXT NOT NULL,
    "voteWindowSeconds" INTEGER,
    "steps" INTEGER,
    "guidance" DOUBLE PRECISION,
    "fps" INTEGER,
    "extendBy" "ExtendRule",
    "maxRounds" INTEGER,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ChannelSettings_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "ChannelSettings_workspaceId_channelId_key" ON "ChannelSettings"("workspaceId", "channelId");

-- AddForeignKey
ALTER TABLE "ChannelSettings" ADD CONSTRAINT "ChannelSettings_workspaceId_fkey" FOREIGN KEY ("workspaceId") REFERENCES "Workspace"("id") ON DELETE CASCADE ON UPDATE CASCADE;
