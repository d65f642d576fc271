import { describe, expect, it } from 'vitest';
import { qrCodeDataUrl } from './qr';

describe('qrCodeDataUrl', () => {
  it('renders an SVG data URL on the server', async () => {
    const url = await qrCodeDataUrl('otpauth://totp/Acme:ann?secret=JBSWY3DPEHPK3PXP');
    expect(url).toMatch(/^data:image\/svg\+xml;base64,/);
    const svg = Buffer.from(url.split(',')[1]!, 'base64').toString();
    expect(svg).toMatch(/^<svg[^>]*viewBox/);
    expect(svg).toContain('<path');
  });
});
