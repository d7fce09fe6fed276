import { Type } from 'typebox';

export const UserSchema = Type.Object({
  public_id: Type.String(),
  fullname: Type.String(),
  email: Type.String(),
  admin: Type.Boolean(),
  username: Type.String(),
});

export const OrganizationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  webhook_url: Type.Union([Type.String(), Type.Null()]),
  webhook_events: Type.Array(Type.String()),
  created_at: Type.String(),
});

export const SecretSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  organization: OrganizationSchema,
});

export const MintedTokenSchema = Type.Object({ token: Type.String(), endpoint: Type.String() });
