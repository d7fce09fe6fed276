/**
 * Which code `bin/album-api.js` runs at this moment: dist/ when it was built after the last
 * change under src/, else the sources through tsx, which costs at run time too (tens of µs
 * more per request in the delivery bench). bin/'s own check; print it beside figures, and run
 * `npm run build` right before a bench that compares against baselines.
 */
export { servedCode } from '../../bin/served-code.js';
