import * as z from 'zod';

// zod probes for `new Function` to speed up parsing; under the panels' CSP that probe is blocked and reported
// as a violation. Imported first by every panel so the probe never runs.
z.config({ jitless: true });
