// Prisma's schema (migration) engine compiled to WebAssembly, driven through a driver
// adapter, so migrations work without the native engine the Prisma CLI would download.
// The package's main entry imports the .wasm as an ES module, which Node 20 refuses, so we
// instantiate schema_engine_bg.wasm ourselves and hand it to the generated bindings.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';
import type { AdapterFactory } from './adapters.js';

export type SchemaEngine = bindings.SchemaEngine;

let ready: Promise<void> | undefined;

// The WebAssembly global exists in Node, but its types live in TypeScript's DOM library.
interface WasmInstance {
  exports: Record<string, unknown>;
}
const { WebAssembly } = globalThis as unknown as {
  WebAssembly: {
    instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: WasmInstance }>;
  };
};

function loadWasm(): Promise<void> {
  ready ??= (async () => {
    const require = createRequire(import.meta.url);
    const js = require.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(path.join(path.dirname(js), 'schema_engine_bg.wasm'));
    const { instance } = await WebAssembly.instantiate(bytes, {
      './schema_engine_bg.js': bindings,
    });
    bindings.__wbg_set_wasm(instance.exports as Parameters<typeof bindings.__wbg_set_wasm>[0]);
    (instance.exports.__wbindgen_start as () => void)();
  })();
  return ready;
}

/** Opens the engine on one database; `schemaFile` names the provider schema it works with. */
export async function openSchemaEngine(
  schemaFile: string,
  schemaText: string,
  adapterFactory: AdapterFactory,
  log: (line: string) => void = () => {},
): Promise<SchemaEngine> {
  await loadWasm();
  return bindings.SchemaEngine.new(
    { datamodels: [[schemaFile, schemaText]] },
    log,
    bindMigrationAwareSqlAdapterFactory(adapterFactory),
  );
}
