/** A writer killed mid-put (test/ports/local-warehouse-store.test.ts): `node --import tsx store-put.ts <root> <key> <file>`. */
import { LocalWarehouseStore } from '../../src/ports/warehouse/local-warehouse-store.js';

const [root, key, file] = process.argv.slice(2);
await new LocalWarehouseStore(root).putFile(key, file);
process.stdout.write('put\n');
