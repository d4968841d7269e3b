import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** One element of a parsed document: name (with its prefix, if any), attributes, children, own text. */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

type Ordered = Record<string, unknown> & { ':@'?: Record<string, string> };

function toElement(node: Ordered): XmlElement | undefined {
  const name = Object.keys(node).find((key) => key !== ':@');
  if (name === undefined || name === '#text' || name.startsWith('?')) return undefined;
  const content = node[name] as Ordered[];
  return {
    name,
    attributes: node[':@'] ?? {},
    children: content.map(toElement).filter((e): e is XmlElement => e !== undefined),
    text: content.map((c) => (c['#text'] === undefined ? '' : String(c['#text']))).join(''),
  };
}

/**
 * Parses a document after checking it is well-formed XML (a mistake fails with its line and column):
 * its root element, for assertions on structure.
 */
export function parseXml(document: string): XmlElement {
  const valid = XMLValidator.validate(document);
  if (valid !== true)
    throw new Error(
      `not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`,
    );
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: false,
  });
  const roots = (parser.parse(document) as Ordered[]).map(toElement).filter((e) => e !== undefined);
  if (roots.length !== 1) throw new Error(`expected one root element, found ${roots.length}`);
  return roots[0]!;
}

/** The element and all below it, in document order. */
export function descendants(element: XmlElement): XmlElement[] {
  return [element, ...element.children.flatMap(descendants)];
}
