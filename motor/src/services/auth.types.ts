// The identity vocabulary is defined with its port; these re-exports keep older imports working.
export type {
  AccessToken,
  AuthContext,
  AuthResult,
  AuthUserJson,
  IssuedSession,
} from '../ports/identity.port.js';
export { toAuthContext } from '../ports/identity.port.js';
