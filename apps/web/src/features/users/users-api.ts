import type { CreateUserBody, UpdateUserBody, User } from '@walboard/shared/auth';
import { getJson } from '../../api/get-json.ts';
import { sendJson } from '../../api/send-json.ts';

// User names are allowlisted by the schema, but the path segment is encoded anyway: data is not a URL.
const userPath = (username: string) => `/api/users/${encodeURIComponent(username)}`;

export const listUsers = (signal?: AbortSignal) => getJson<User[]>('/api/users', signal);

export const createUser = (body: CreateUserBody, csrf: string) =>
  sendJson<User>('POST', '/api/users', body, csrf);

export const updateUser = (username: string, body: UpdateUserBody, csrf: string) =>
  sendJson<User>('PATCH', userPath(username), body, csrf);

export const deleteUser = (username: string, csrf: string) =>
  sendJson<null>('DELETE', userPath(username), {}, csrf);
