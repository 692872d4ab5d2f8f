import { describeRouteFuzz } from '../support/route-fuzz.js';

// A quarter of the route fuzz's corpus (every route, both roles, every kind of case on some
// routes); the whole corpus runs in test/integration/security-fuzz-full.test.ts.
describeRouteFuzz({ every: 4 });
