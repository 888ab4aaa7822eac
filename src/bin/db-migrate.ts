// `npm run db:migrate`: applies the committed migrations to DATABASE_URL and exits.
// (`npm start` and the other processes do the same at start-up.)
import { describe, migrateDatabase } from '../db/migrations.js';
import { runProcess } from './run-process.js';

await runProcess('db:migrate', async ({ config, log }) => {
  const { applied } = await migrateDatabase(config.database, {
    onWarning: (message) => log.warn(message),
  });
  console.log(
    applied.length > 0
      ? `Applied ${applied.length} migration(s) to ${describe(config.database)}: ${applied.join(', ')}`
      : `Up to date: ${describe(config.database)}.`,
  );
});
