/**
 * Deterministic, realistic-looking traffic of a Bali travel company: Indonesian mobile numbers
 * (a skewed distribution: a few chatty contacts, a long tail), Indonesian names, and messages
 * about tours, transfers, hotels and payments. Everything is a pure function of an index, so a
 * seeding run can be resumed and a benchmark can name the numbers it queries.
 *
 * Word frequencies the queries benchmark relies on (see bench/queries.ts):
 *  - COMMON_WORD ("bali") appears in roughly a third of the messages;
 *  - RARE_WORD ("komodo") in about 1 message in 5,000.
 */

export const PHONE_COUNT = 20_000;
export const COMMON_WORD = 'bali';
export const RARE_WORD = 'komodo';
/** The business's own WhatsApp number (Fonnte's `device`). */
export const BUSINESS_DEVICE = '6285700000001';

/** mulberry32: a small, fast, good-enough PRNG; the same seed gives the same sequence. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)] as T;

const MOBILE_PREFIXES = ['811', '812', '813', '821', '822', '823', '852', '853', '857', '858', '877', '878', '881', '895', '896', '897', '898'];

/** The j-th contact's number in E.164, e.g. +6281234567890 (j in 0..PHONE_COUNT-1). */
export function phoneOf(j: number): string {
  const r = rng(0x9e3779b1 ^ j);
  const prefix = pick(r, MOBILE_PREFIXES);
  // 8 digits after the prefix; j in the last digits keeps the numbers distinct.
  const tail = String(j).padStart(5, '0');
  const head = String(Math.floor(r() * 1000)).padStart(3, '0');
  return `+62${prefix}${head}${tail}`;
}

/** Which contact writes the i-th message: skewed (phone 0 is the chattiest), every contact some. */
export function contactOf(r: () => number): number {
  return Math.min(PHONE_COUNT - 1, Math.floor(PHONE_COUNT * r() ** 1.6));
}

const FIRST_NAMES = ['Budi', 'Siti', 'Agus', 'Dewi', 'Made', 'Wayan', 'Ketut', 'Nyoman', 'Putu', 'Komang', 'Rina', 'Andi', 'Eka', 'Sri', 'Bayu', 'Ayu', 'Gede', 'Indah', 'Rizky', 'Fitri', 'Yogi', 'Lestari', 'Hendra', 'Nur', 'Dian'];
const LAST_NAMES = ['Santoso', 'Wijaya', 'Saputra', 'Pratama', 'Suryani', 'Hidayat', 'Kusuma', 'Setiawan', 'Wibowo', 'Permana', 'Astuti', 'Nugroho', 'Utami', 'Halim', 'Gunawan'];

export function contactNameOf(j: number): string | null {
  const r = rng(0x85ebca6b ^ j);
  if (r() < 0.08) return null; // some contacts set no push name
  return `${pick(r, FIRST_NAMES)} ${pick(r, LAST_NAMES)}`;
}

const PLACES = ['Ubud', 'Kuta', 'Seminyak', 'Canggu', 'Nusa Penida', 'Uluwatu', 'Tanah Lot', 'Kintamani', 'Sanur', 'Jimbaran', 'Lovina', 'Nusa Dua'];
const THINGS = ['paket tur', 'tiket', 'transfer bandara', 'kamar hotel', 'sewa mobil', 'snorkeling', 'rafting', 'sunrise trekking', 'villa', 'fast boat'];
const INBOUND = [
  'Halo kak, {thing} ke {place} untuk tanggal {date} masih tersedia?',
  'Selamat pagi, saya mau tanya harga {thing} untuk {n} orang.',
  'Kak, pembayaran {thing} sudah saya transfer ya, mohon dicek.',
  'Apakah {thing} sudah termasuk makan siang dan penjemputan di hotel?',
  'Saya sudah sampai di bandara Ngurah Rai, sopirnya di mana ya?',
  'Terima kasih banyak, tur ke {place} kemarin seru sekali!',
  'Bisa reschedule {thing} ke hari {day}? Anak saya sakit.',
  'Mohon info jadwal penjemputan besok jam berapa?',
  'Ok kak, saya booking {thing} {n} pax ya.',
  'Berapa lama perjalanan dari {place} ke {place2}?',
  'Kak, invoice untuk {thing} tolong dikirim lewat email ya.',
  'Apakah bisa bayar pakai kartu kredit?',
];
const OUTBOUND = [
  'Halo kak, {thing} ke {place} tanggal {date} masih tersedia. Harga Rp{price} per orang.',
  'Terima kasih, pembayaran sudah kami terima. Voucher {thing} kami kirim sebentar lagi.',
  'Sopir kami sudah menunggu di pintu kedatangan internasional dengan papan nama Anda.',
  'Penjemputan besok jam {hour}.00 WITA di lobi hotel ya kak.',
  'Baik kak, {thing} sudah kami reschedule ke hari {day}.',
  'Mohon maaf kak, untuk tanggal {date} {thing} sudah penuh. Bagaimana kalau tanggal lain?',
  'Paket sudah termasuk makan siang, tiket masuk, dan asuransi.',
  'Perjalanan dari {place} ke {place2} sekitar {n} jam kak.',
];
const DAYS = ['Senin', 'Selasa', 'Rabu', 'Kamis', 'Jumat', 'Sabtu', 'Minggu'];

/** A message text; `bali` shows up in about a third of them, `komodo` about once in 5,000. */
export function messageText(r: () => number, direction: 'in' | 'out'): string {
  const template = pick(r, direction === 'in' ? INBOUND : OUTBOUND);
  let text = template
    .replace('{thing}', pick(r, THINGS))
    .replace('{place}', pick(r, PLACES))
    .replace('{place2}', pick(r, PLACES))
    .replace('{date}', `${1 + Math.floor(r() * 28)}/${1 + Math.floor(r() * 12)}`)
    .replace('{n}', String(1 + Math.floor(r() * 6)))
    .replace('{day}', pick(r, DAYS))
    .replace('{hour}', String(5 + Math.floor(r() * 14)))
    .replace('{price}', `${(250 + Math.floor(r() * 40) * 25).toLocaleString('id-ID')}.000`);
  const extra = r();
  if (extra < 0.33) text += direction === 'in' ? ' Kami sekeluarga liburan ke Bali minggu depan.' : ' Selamat berlibur di Bali!';
  if (r() < 0.0002) text += ' Ada juga paket ke Pulau Komodo?';
  return text;
}

/**
 * The k-th Fonnte incoming-message webhook body (inboxid `${idPrefix}${k}`), as JSON text. Sender and
 * text depend on `contentIndex` (default k): give each body of a run its own, or the same senders
 * come back and the gateway's partner cache answers for them.
 */
export function fonnteBody(idPrefix: string, k: number, nowSeconds: number, contentIndex = k): string {
  const r = rng(0x51ed27 ^ contentIndex);
  const contact = contactOf(r);
  return JSON.stringify({
    device: BUSINESS_DEVICE,
    sender: phoneOf(contact).slice(1),
    message: messageText(r, 'in'),
    text: '',
    member: '',
    name: contactNameOf(contact) ?? '',
    location: '',
    pollname: '',
    choices: '',
    timestamp: nowSeconds,
    inboxid: `${idPrefix}${k}`,
  });
}
