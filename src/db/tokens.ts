import { randomBytes } from 'node:crypto';

export const shareTokenLength = 32;
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
// Largest multiple of 62 below 256: bytes at or above it are dropped so every letter is equally likely.
const unbiasedLimit = 256 - (256 % alphabet.length);

export const shareTokenPattern = /^[A-Za-z0-9]{32}$/;

/** A 32-character base62 share token from the OS's cryptographic random source. */
export function generateShareToken(): string {
  let token = '';
  while (token.length < shareTokenLength) {
    for (const byte of randomBytes(48)) {
      if (byte < unbiasedLimit) token += alphabet[byte % alphabet.length];
      if (token.length === shareTokenLength) break;
    }
  }
  return token;
}
