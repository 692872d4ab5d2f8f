// A single-page app: the Motor serves build/index.html for every page path.
export const ssr = false;
export const prerender = false;
