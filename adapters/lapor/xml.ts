// The XML codec of the LAPOR! integration: fast-xml-parser 5 configured once, so that every text
// and attribute value is escaped when built and decoded when parsed (never string concatenation).
// Generic XML only: which elements LAPOR! uses is wire.ts' business.
import { XMLBuilder, XMLParser, XMLValidator, type EntityDecoderOptions } from 'fast-xml-parser';

/** Attribute keys in the object form: `{ lapor: { '@_token': '...' } }` is `<lapor token="...">`. */
export const attributePrefix = '@_';

export type XmlNode = { [name: string]: XmlValue };
export type XmlValue = string | XmlNode | XmlValue[] | undefined;

const declaration = '<?xml version="1.0" encoding="UTF-8"?>';

const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: attributePrefix,
  // `&`, `<`, `>`, `'` and `"` become entities in text and attribute values (the default, said out loud).
  processEntities: true,
  // `rahasia="true"` must not shrink to a bare `rahasia` attribute.
  suppressBooleanAttributes: false,
  // An empty value is `<email/>`, as in the published example.
  suppressEmptyNode: true,
  format: false,
});

/** One XML document with the declaration, from its root element in object form. Undefined members are left out. */
export function buildXml(root: XmlNode): string {
  return `${declaration}${builder.build(root)}`;
}

const xmlNamed: Record<string, string> = { lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' };

/**
 * XML's five predefined entities and numeric character references, decoded once, nothing else:
 * fast-xml-parser's default leaves `&#1605;` undecoded, and entities a DOCTYPE declares are not
 * expanded at all (no entity expansion attacks from an upstream answer).
 */
const entityDecoder: EntityDecoderOptions = {
  setExternalEntities: () => undefined,
  addInputEntities: () => undefined,
  reset: () => undefined,
  setXmlVersion: () => undefined,
  decode: (text) => text.replace(/&(?:#x([0-9a-fA-F]{1,6})|#([0-9]{1,7})|(lt|gt|amp|apos|quot));/g, (reference, hex: string | undefined, decimal: string | undefined, name: string | undefined) => {
    if (name) return xmlNamed[name]!;
    const codePoint = hex ? Number.parseInt(hex, 16) : Number(decimal);
    return codePoint > 0 && codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : reference;
  }),
};

const parsers = new Map<string, XMLParser>();

function parserFor(arrayTags: readonly string[]): XMLParser {
  const key = arrayTags.join(',');
  let parser = parsers.get(key);
  if (!parser) {
    const arrays = new Set(arrayTags);
    parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: attributePrefix,
      // Values stay strings: a tracking id `0012` or a long number must not become a JS number.
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: true,
      entityDecoder,
      isArray: (tagName) => arrays.has(tagName),
    });
    parsers.set(key, parser);
  }
  return parser;
}

export type ParsedXml = { ok: true; rootName: string; root: XmlNode } | { ok: false; reason: string };

/**
 * A well-formed XML document's root element in object form. Anything else (an HTML error page,
 * JSON, a truncated answer) is refused with a reason that quotes none of the content.
 * `arrayTags` are always arrays, even when they occur once.
 */
export function parseXml(text: string, arrayTags: readonly string[] = []): ParsedXml {
  if (XMLValidator.validate(text) !== true) return { ok: false, reason: 'the body is not well-formed XML' };
  let parsed: XmlNode;
  try {
    parsed = parserFor(arrayTags).parse(text) as XmlNode;
  } catch {
    return { ok: false, reason: 'the body is not well-formed XML' };
  }
  const roots = Object.keys(parsed).filter((name) => !name.startsWith('?'));
  if (roots.length !== 1) return { ok: false, reason: 'the XML has no single root element' };
  const rootName = roots[0]!;
  const root = parsed[rootName];
  return { ok: true, rootName, root: typeof root === 'object' && !Array.isArray(root) ? root : { '#text': root } };
}

/** A child element's text ('' for `<email/>`); undefined when the element is absent or not text. */
export function text(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[name];
  if (typeof value === 'string') return value;
  // An element with attributes but text content parses as `{ '#text': ..., '@_x': ... }`.
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const inner = value['#text'];
    return typeof inner === 'string' ? inner : Object.keys(value).every((key) => key.startsWith(attributePrefix)) ? '' : undefined;
  }
  return undefined;
}

/** A child element as a node (an empty element counts as an empty node). */
export function child(node: XmlNode | undefined, name: string): XmlNode | undefined {
  const value = node?.[name];
  if (value === '') return {};
  return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

/** Child elements declared in `arrayTags` when parsing. */
export function children(node: XmlNode | undefined, name: string): XmlNode[] {
  const value = node?.[name];
  if (!Array.isArray(value)) return [];
  return value.map((item) => (item === '' ? {} : item && typeof item === 'object' && !Array.isArray(item) ? item : { '#text': item }));
}

/** An attribute of an element. */
export function attribute(node: XmlNode | undefined, name: string): string | undefined {
  const value = node?.[`${attributePrefix}${name}`];
  return typeof value === 'string' ? value : undefined;
}
