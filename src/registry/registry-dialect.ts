/** Which database a registry lives in (below registry.ts and its migrations, which both need it). */
export type RegistryDialect = 'sqlite' | 'postgres';
