using System.Globalization;
using System.Text;
using WsssGpuRefine.Core;

namespace WsssGpuRefine.Io.Npy;

/// <summary>
/// The parsed NPY header dict. The header is a Python dict literal; it is parsed as one (any key
/// order, any spacing, trailing commas), never matched against numpy's exact formatting.
/// </summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, int[] Shape)
{
    public static NpyHeader Parse(string text)
    {
        var p = new LiteralParser(text);
        var dict = p.ParseDict();
        p.SkipSpace();
        if (!p.AtEnd) throw Bad("unexpected text after the header dict");
        if (!dict.TryGetValue("descr", out var descr)) throw Bad("the header has no 'descr'");
        if (!dict.TryGetValue("fortran_order", out var fortran)) throw Bad("the header has no 'fortran_order'");
        if (!dict.TryGetValue("shape", out var shape)) throw Bad("the header has no 'shape'");
        if (descr is not string d)
            throw Bad("structured dtypes are not supported ('descr' is not a string)");
        if (fortran is not bool f) throw Bad("'fortran_order' is not True or False");
        if (shape is not List<long> dims) throw Bad("'shape' is not a tuple of integers");
        var ints = new int[dims.Count];
        for (int i = 0; i < ints.Length; i++)
        {
            if (dims[i] < 0 || dims[i] > int.MaxValue) throw Bad($"invalid dimension {dims[i]} in 'shape'");
            ints[i] = (int)dims[i];
        }
        return new NpyHeader(d, f, ints);
    }

    private static WsssInputException Bad(string why) => new(null, $"bad NPY header: {why}");

    /// <summary>Just enough of Python's literal syntax for NPY headers: str, bool, int, tuple, dict.</summary>
    private ref struct LiteralParser(string text)
    {
        private readonly string _text = text;
        private int _pos;

        public readonly bool AtEnd => _pos >= _text.Length;

        public void SkipSpace()
        {
            while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++;
        }

        private char Peek()
        {
            SkipSpace();
            if (AtEnd) throw Bad("the header ends early");
            return _text[_pos];
        }

        private void Expect(char c)
        {
            if (Peek() != c) throw Bad($"expected '{c}' at offset {_pos}");
            _pos++;
        }

        public Dictionary<string, object> ParseDict()
        {
            Expect('{');
            var dict = new Dictionary<string, object>();
            while (Peek() != '}')
            {
                if (ParseValue() is not string key) throw Bad("a header key is not a string");
                Expect(':');
                if (!dict.TryAdd(key, ParseValue())) throw Bad($"the key '{key}' appears twice");
                if (Peek() == ',') _pos++;
                else if (Peek() != '}') throw Bad($"expected ',' or '}}' at offset {_pos}");
            }
            _pos++;
            return dict;
        }

        private object ParseValue()
        {
            char c = Peek();
            if (c is '\'' or '"') return ParseString();
            if (c == '(') return ParseTuple();
            if (c == '[') throw Bad("structured dtypes are not supported");
            if (c == '{') throw Bad("nested dicts are not expected");
            if (char.IsDigit(c) || c == '-') return ParseInt();
            if (MatchWord("True")) return true;
            if (MatchWord("False")) return false;
            throw Bad($"unexpected '{c}' at offset {_pos}");
        }

        private bool MatchWord(string word)
        {
            if (string.CompareOrdinal(_text, _pos, word, 0, word.Length) != 0) return false;
            int end = _pos + word.Length;
            if (end < _text.Length && (char.IsLetterOrDigit(_text[end]) || _text[end] == '_')) return false;
            _pos = end;
            return true;
        }

        private string ParseString()
        {
            char quote = _text[_pos++];
            var sb = new StringBuilder();
            while (true)
            {
                if (AtEnd) throw Bad("unterminated string");
                char c = _text[_pos++];
                if (c == quote) return sb.ToString();
                if (c == '\\')
                {
                    if (AtEnd) throw Bad("unterminated string");
                    sb.Append(_text[_pos++]);
                }
                else sb.Append(c);
            }
        }

        private long ParseInt()
        {
            int start = _pos;
            if (_text[_pos] == '-') _pos++;
            while (_pos < _text.Length && char.IsDigit(_text[_pos])) _pos++;
            if (!long.TryParse(_text.AsSpan(start, _pos - start), NumberStyles.AllowLeadingSign,
                    CultureInfo.InvariantCulture, out long v))
                throw Bad($"bad integer at offset {start}");
            // Python 2 headers wrote longs as 3L.
            if (_pos < _text.Length && _text[_pos] is 'L' or 'l') _pos++;
            return v;
        }

        private List<long> ParseTuple()
        {
            Expect('(');
            var items = new List<long>();
            while (Peek() != ')')
            {
                // Only integers sit in a shape: refusing a nested tuple here, before parsing it, keeps the
                // parser from recursing (a header of 50,000 '(' would otherwise overflow the stack).
                if (Peek() == '(') throw Bad("'shape' holds a nested tuple");
                if (ParseValue() is not long v) throw Bad("'shape' holds a non-integer");
                items.Add(v);
                if (Peek() == ',') _pos++;
                else if (Peek() != ')') throw Bad($"expected ',' or ')' at offset {_pos}");
            }
            _pos++;
            return items;
        }
    }
}
