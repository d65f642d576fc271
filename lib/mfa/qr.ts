import QRCode from 'qrcode';

/**
 * A QR code of `text` as an SVG data URL, rendered on the server: the page needs no script and
 * no third-party service ever sees the secret inside it.
 */
export async function qrCodeDataUrl(text: string): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
