import { describeRouteFuzz } from '../support/route-fuzz.js';

// The route fuzz's whole corpus (~5,300 requests); `npm test` runs a quarter of it
// (test/medium/security-fuzz.test.ts). Needs no outside service: it is here for its length.
describeRouteFuzz({ every: 1 });
