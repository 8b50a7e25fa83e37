import { get } from 'node:http';

/** The body of a plain-HTTP GET (the metrics port), as text. */
export const fetchText = (url: string) =>
  new Promise<string>((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
