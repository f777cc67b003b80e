// Vite bundles CSS imports; to TypeScript they are modules with no exports.
declare module '*.css';
