import assert from 'node:assert/strict';
import { stackNameSchema } from '../../src/engine/stack/config';
describe('smoke', () => { it('parses', () => { assert.equal(stackNameSchema.safeParse('demo').success, true); }); });
