import assert from 'node:assert/strict';
import { fillVariables, parseVariables, rewriteVariables, variableNames } from '../../src/library/variables';
import { failOnUnhandledRejection } from '../db/support/unhandled';
import { newLibrary } from './support';
import type { Library } from '../../src/library/library';

describe('variables: one parser for {{x}}, ${x} and ${x:default}', () => {
  describe('parse', () => {
    it('finds every syntax, in order of first appearance, once each, with the first default written', () => {
      const text = 'Act as ${Position:Software Developer} for {{ company }}; ask about ${topic}, then ${Position:Manager} and {{topic}}.';
      assert.deepEqual(parseVariables(text), [{ name: 'Position', default: 'Software Developer' }, { name: 'company' }, { name: 'topic' }]);
      assert.deepEqual(variableNames(text), ['Position', 'company', 'topic']);
    });

    it('a default written on a later occurrence still counts; an empty default is a default', () => {
      assert.deepEqual(parseVariables('${a} ${a:later} ${b:}'), [
        { name: 'a', default: 'later' },
        { name: 'b', default: '' },
      ]);
    });

    it('names with spaces and of any script, defaults with colons, spaces trimmed', () => {
      assert.deepEqual(parseVariables('${ Target Language : English } ${岗位:软件工程师} ${Time:10:30}'), [
        { name: 'Target Language', default: 'English' },
        { name: '岗位', default: '软件工程师' },
        { name: 'Time', default: '10:30' },
      ]);
    });

    it('code is not a variable: ${a + b}, ${items[0]}, ${fn()}, {{a b}}, ${}, {{}}, a default across lines', () => {
      assert.deepEqual(parseVariables('`${a + b}` ${items[0]} ${fn()} {{a b}} ${} {{}} ${x:one\ntwo}'), []);
    });

    it('{{constructor}}, ${__proto__} and ${toString:x} are plain names', () => {
      assert.deepEqual(parseVariables('{{constructor}} ${__proto__} ${toString:x}'), [
        { name: 'constructor' },
        { name: '__proto__' },
        { name: 'toString', default: 'x' },
      ]);
    });
  });

  describe('fill', () => {
    it('a value fills every occurrence in every syntax; without one the default fills it; without either it stays as written', () => {
      const text = 'Interview for ${Position:Software Developer} at {{company}} (${company}); ask about ${topic}.';
      assert.equal(fillVariables(text, { company: 'ACME' }), 'Interview for Software Developer at ACME (ACME); ask about ${topic}.');
      assert.equal(
        fillVariables(text, { Position: 'Chef', topic: 'knives' }),
        'Interview for Chef at {{company}} (${company}); ask about knives.',
      );
    });

    it('an empty value is a value; an occurrence without a default takes the default written elsewhere', () => {
      assert.equal(fillVariables('[${x:d}]', { x: '' }), '[]');
      assert.equal(fillVariables('${x} and ${x:d} and ${x:e}', {}), 'd and d and e');
    });

    it('values are inserted as they are: $& and $1 are not replacement patterns', () => {
      assert.equal(fillVariables('{{a}} ${b}', { a: '$&', b: '$1 $$' }), '$& $1 $$');
    });

    it('inherited names count only when given: constructor, toString, __proto__', () => {
      const text = '{{constructor}} ${toString} ${__proto__:p}';
      assert.equal(fillVariables(text, {}), '{{constructor}} ${toString} p');
      const values = Object.fromEntries([
        ['constructor', '1'],
        ['toString', '2'],
        ['__proto__', '3'],
      ]);
      assert.equal(fillVariables(text, values), '1 2 3');
    });

    it('rewriteVariables writes another syntax and keeps what it returns undefined for', () => {
      const text = 'A ${x:d} B {{y}} C ${z}';
      const rewritten = rewriteVariables(text, (o, v) => (o.name === 'z' ? undefined : `<${o.name}|${v.default ?? ''}>`));
      assert.equal(rewritten, 'A <x|d> B <y|> C ${z}');
    });
  });

  describe('through the Library: render', () => {
    failOnUnhandledRejection();
    let library: Library;
    before(async () => ({ library } = await newLibrary('variables')));
    after(() => library.dispose());

    it('a saved prompts.chat prompt renders with its default, or with the value given', async () => {
      const saved = await library.save({
        name: 'Job Interviewer',
        resourceType: 'prompt',
        content: { text: 'Ask me questions for the ${Position:Software Developer} position at ${Company}.' },
      });
      assert.equal(library.render(saved), 'Ask me questions for the Software Developer position at ${Company}.');
      assert.equal(
        library.render(saved, { variables: { Position: 'Nurse', Company: 'St. Mary' } }),
        'Ask me questions for the Nurse position at St. Mary.',
      );
    });

    it('a prompt whose variables have spaces and other scripts saves them in content.variables', async () => {
      const saved = await library.save({
        name: 'Translator',
        resourceType: 'prompt',
        content: {
          text: 'Translate into ${Target Language:English} for ${读者}',
          variables: variableNames('${Target Language:English} ${读者}'),
        },
      });
      assert.deepEqual((saved.content as { variables: string[] }).variables, ['Target Language', '读者']);
      assert.equal(library.render(saved, { variables: { 读者: 'kids' } }), 'Translate into English for kids');
    });

    it("a workflow's steps are filled like a prompt's text, one step or all of them", async () => {
      const saved = await library.save({
        name: 'Release',
        resourceType: 'workflow',
        content: { steps: [{ text: 'Collect changes since ${since:the last tag}.' }, { text: 'Write notes for {{version}}.' }] },
      });
      assert.equal(library.render(saved, { step: 0 }), 'Collect changes since the last tag.');
      assert.equal(library.render(saved, { step: 1, variables: { version: '2.0' } }), 'Write notes for 2.0.');
      assert.equal(library.render(saved), 'Collect changes since the last tag.\n\nWrite notes for {{version}}.');
    });
  });
});
