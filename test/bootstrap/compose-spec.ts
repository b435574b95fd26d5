import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';

/** The Compose Specification's schema (vendored in test/fixtures), as docker compose reads it: main's and the workers' compose files are checked against it. */
// The vendored file names its draft as http://…/2019-09/schema#, which Ajv2019 only knows under https and
// without the "#"; dropping $schema lets Ajv2019 use that same draft. Its draft-04 style "id" keywords only label
// definitions (all are "#/definitions/<name>"), so they become plain annotations.
const { $schema: _draft, ...schema } = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'compose-spec.json'), 'utf8')) as Record<string, unknown>;
export const ajv = new Ajv2019({ strict: false, allErrors: true });
// The formats the spec defines for itself, as docker compose reads them (durations are Go's, not ISO 8601).
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
ajv.addFormat('ports', /^((\d{1,3}(\.\d{1,3}){3}|\[[0-9a-fA-F:]+\]):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
ajv.addFormat('subnet_ip_address', /^[0-9a-fA-F.:]+\/\d{1,3}$/);
ajv.removeKeyword('id');
ajv.addKeyword({ keyword: 'id', schemaType: 'string' });
export const validate = ajv.compile(schema);
