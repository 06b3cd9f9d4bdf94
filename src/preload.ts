/**
 * Loaded before anything else (the first import of main.ts). graphql-js picks its checks when it
 * is first imported: in production mode a plain `instanceof`, elsewhere a slower one that also
 * detects duplicate copies of graphql. So the mode is set before anything imports graphql; an
 * operator's NODE_ENV wins.
 */
process.env.NODE_ENV ??= 'production';
