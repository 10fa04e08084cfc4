package search

import (
	"fmt"
	"strings"
)

// Expr is a search with Sentry's boolean operators, as Discover takes it:
//
//	transaction:"GET /a" (environment:prod OR environment:staging) !user:42 slow
//
// Adjacent conditions are ANDed, AND binds tighter than OR, parentheses
// group. A leaf is a key:value Term or free text; adjacent words of free
// text make one leaf.
type Expr struct {
	Op   string // "and" or "or" for a group, "" for a leaf
	Args []Expr
	Term *Term  // a key:value leaf
	Text string // a free-text leaf
}

// ParseBoolean reads a search with AND, OR and parentheses.
func ParseBoolean(q string) (Expr, error) {
	toks, err := lex(q, true)
	if err != nil {
		return Expr{}, err
	}
	p := &boolParser{toks: toks}
	e, err := p.or()
	if err != nil {
		return Expr{}, err
	}
	if p.pos < len(p.toks) {
		return Expr{}, fmt.Errorf("a closing parenthesis has no opening one")
	}
	return e, nil
}

type boolParser struct {
	toks []token
	pos  int
}

func (p *boolParser) peek() (token, bool) {
	if p.pos >= len(p.toks) {
		return token{}, false
	}
	return p.toks[p.pos], true
}

func (p *boolParser) or() (Expr, error) {
	var args []Expr
	for {
		e, err := p.and()
		if err != nil {
			return Expr{}, err
		}
		t, ok := p.peek()
		nextOr := ok && t.is("OR")
		if e.empty() && (len(args) > 0 || nextOr) {
			return Expr{}, fmt.Errorf("OR needs a condition on each side")
		}
		args = append(args, e)
		if !nextOr {
			break
		}
		p.pos++
	}
	return group("or", args), nil
}

func (p *boolParser) and() (Expr, error) {
	var args []Expr
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokClose || t.is("OR") {
			break
		}
		if t.is("AND") {
			if len(args) == 0 {
				return Expr{}, fmt.Errorf("AND needs a condition on each side")
			}
			p.pos++
			if n, ok := p.peek(); !ok || n.kind == tokClose || n.is("OR") || n.is("AND") {
				return Expr{}, fmt.Errorf("AND needs a condition on each side")
			}
			continue
		}
		p.pos++
		if t.kind == tokOpen {
			e, err := p.or()
			if err != nil {
				return Expr{}, err
			}
			if c, ok := p.peek(); !ok || c.kind != tokClose {
				return Expr{}, fmt.Errorf("a parenthesis is not closed")
			}
			p.pos++
			if e.empty() {
				return Expr{}, fmt.Errorf("empty parentheses")
			}
			args = append(args, e)
			continue
		}
		leaf := leafOf(t.text)
		// Words of free text side by side are one text.
		if last := len(args) - 1; leaf.Term == nil && last >= 0 && args[last].Op == "" && args[last].Term == nil {
			args[last].Text += " " + leaf.Text
			continue
		}
		args = append(args, leaf)
	}
	return group("and", args), nil
}

func (e Expr) empty() bool { return e.Op == "" && e.Term == nil && e.Text == "" }

// group is args joined by op, or the single argument itself.
func group(op string, args []Expr) Expr {
	switch len(args) {
	case 0:
		return Expr{}
	case 1:
		return args[0]
	}
	return Expr{Op: op, Args: args}
}

// leafOf reads one word: key:value (with ! for not), or free text, by the
// same rules as Parse.
func leafOf(tok string) Expr {
	key, value, ok := strings.Cut(tok, ":")
	if !ok || key == "" || key == "!" || value == "" || strings.ContainsAny(key, " \"") {
		return Expr{Text: tok}
	}
	negate := strings.HasPrefix(key, "!")
	return Expr{Term: &Term{Key: strings.TrimPrefix(key, "!"), Value: value, Negate: negate}}
}
