/**
 * Sent with GraphiQL and the sign-in pages: no other site may frame them. GraphiQL fills its
 * editor from `?query=`, and a framed page could be dressed up to have it run, or have a signed-in
 * user click through a sign-in or sign-out they did not mean. The CSP directive is the standard;
 * X-Frame-Options is for browsers that predate it.
 */
export const NO_FRAMING: Readonly<Record<string, string>> = {
  'content-security-policy': "frame-ancestors 'none'",
  'x-frame-options': 'DENY',
};
