// firstframe does not run `prisma dev` (the Prisma CLI's local Prisma Postgres server), the only
// user of @prisma/streams-local, which declares Node >= 22 and so made `npm install` warn
// (EBADENGINE) on Node 20. package.json's overrides put this stub in its place.
export async function startLocalDurableStreamsServer() {
  throw new Error(
    'firstframe replaces @prisma/streams-local with a stub (package.json overrides): `prisma dev` is not supported here',
  );
}
