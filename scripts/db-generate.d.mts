export declare const PROVIDERS: { sqlite: 'sqlite'; postgres: 'postgresql' };
export declare function providerSchema(folder: 'sqlite' | 'postgres', models: string): string;
export declare function writeProviderSchemas(): string[];
