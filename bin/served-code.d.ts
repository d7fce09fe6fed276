/** When the build that made dist/ began (ms since the epoch), or 0. */
export function builtAt(): number;
/** 'dist' when dist/ is current, else 'tsx' (see served-code.js). */
export function servedCode(): 'dist' | 'tsx';
