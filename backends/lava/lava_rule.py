"""lava_rule.py - learning rules in Lava's grammar, for lava_loader.py.

A port of Lava's rule parser (lava/magma/core/learning/symbolic_equation.py
and product_series.py): parse_rule reads `dw = ...` as Lava would, into
products with one dependency (x0, y0 or uK) each, one decimation exponent K
per rule and a scale m*2^e within Lava's range, and raises RuleError naming
what Lava's parser would reject.
"""

import collections
import re


class RuleError(ValueError):
    """What Lava's parser would reject, as a message."""


Symbol = collections.namedtuple("Symbol", "kind text value")
Literal = collections.namedtuple("Literal", "mantissa exponent const")
Product = collections.namedtuple("Product", "text dependency mantissa "
                                 "exponent factors")
Rule = collections.namedtuple("Rule", "rhs products k factors dependencies")

_UK = re.compile(r"u\d")
_VARIABLE = re.compile(r"x[12]|y[123]|w|d|t")
_LITERALS = (
    ("scaled", re.compile(r"[+-]?\d+\*2\^[+-]?\d+")),
    ("power", re.compile(r"[+-]?2\^[+-]?\d+")),
    ("integer", re.compile(r"[+-]?\d+")),
)


def rule_rhs(text):
    """The right-hand side of `dw = ...` (or the text, without `dw =`)."""
    match = re.match(r"\s*(\w+)\s*=(.*)$", text, re.S)
    if match is None:
        return text.strip()
    if match.group(1) != "dw":
        raise RuleError(f"only weight rules (dw = ...) are supported, not "
                        f"'{match.group(1)} = ...'")
    return match.group(2).strip()


def closing_bracket(expr):
    """Index of the bracket that closes the first '(' of expr."""
    depth = 0
    for index, char in enumerate(expr):
        if char in "()":
            depth += 1 if char == "(" else -1
            if depth == 0:
                return index
    raise RuleError(f"'{expr}' misses a closing bracket")


def literal_symbol(expr):
    for kind, pattern in _LITERALS:
        match = pattern.match(expr)
        if match is None:
            continue
        text = match.group()
        if kind == "scaled":
            head, exponent = text.split("^")
            mantissa, exponent = int(head[:-2]), int(exponent)
            const = mantissa * 2.0 ** exponent
        elif kind == "power":
            head, exponent = text.split("^")
            mantissa, exponent = int(int(head) / 2), int(exponent)
            const = mantissa * 2.0 ** exponent
        else:
            mantissa, exponent, const = int(text), 0, int(text)
        return Symbol("literal", text, Literal(mantissa, exponent, const))
    return None


def next_symbol(expr):
    """The first symbol of expr and the rest, tried in Lava's order."""
    if expr[0] in "+-*":
        return Symbol("op", expr[0], expr[0]), expr[1:]
    if expr[:2] in ("x0", "y0"):
        return Symbol("dependency", expr[:2], expr[:2]), expr[2:]
    match = _UK.match(expr)
    if match:
        return Symbol("uk", match.group(), int(match.group()[1])), expr[2:]
    match = _VARIABLE.match(expr)
    if match:
        return Symbol("variable", match.group(), match.group()), \
            expr[match.end():]
    for kind, opening in (("bracket", "("), ("sgn", "sgn(")):
        if expr.startswith(opening):
            end = closing_bracket(expr)
            inner = expr[len(opening):end]
            if not inner:
                raise RuleError(f"'{expr[:end + 1]}' is empty")
            return Symbol(kind, expr[:end + 1], lex(inner)), expr[end + 1:]
    symbol = literal_symbol(expr)
    if symbol is not None:
        return symbol, expr[len(symbol.text):]
    if expr[0] == "u":
        raise RuleError(f"cannot parse '{expr}': Lava's dependency is uK "
                        f"with a digit K (u0: every epoch), not 'u'")
    raise RuleError(f"cannot parse '{expr}'")


def lex(expr):
    symbols = []
    while expr:
        symbol, expr = next_symbol(expr)
        symbols.append(symbol)
    return symbols


def split_products(symbols):
    """Products separated by + and - (a sign starts the next product)."""
    products, current = [], []
    for symbol in symbols:
        starts = symbol.kind == "op" and symbol.value in "+-"
        if starts and any(s.kind != "op" or s.value != "*" for s in current):
            products.append(current)
            current = []
        current.append(symbol)
    products.append(current)
    return products


def sub_expression(symbol, mantissa, exponent):
    """A bracket or sgn() factor as Lava reads it: [+-]var[+-]const, var or
    const. Returns (factor or None, mantissa, exponent)."""
    sub = list(symbol.value)
    if sub[0].kind != "op":
        sub.insert(0, Symbol("op", "+", "+"))
    if len(sub) <= 2:
        if len(sub) < 2:
            raise RuleError(f"cannot interpret '{symbol.text}'")
        sign = -1 if sub[0].value == "-" else 1
        inner = sub[1]
        if inner.kind == "literal":
            return None, mantissa * sign * inner.value.mantissa, \
                exponent + inner.value.exponent
        if inner.kind != "variable":
            raise RuleError(f"Lava's parser drops '{inner.text}' in "
                            f"'{symbol.text}'")
        variable = inner.value
        negated = False
    else:
        if len(sub) != 4:
            raise RuleError(f"'{symbol.text}' is not of the form "
                            f"[+-]var[+-]const that Lava reads")
        if sub[1].kind in ("dependency", "variable") and \
                sub[3].kind == "literal":
            var_index = 1
        elif sub[3].kind in ("dependency", "variable") and \
                sub[1].kind == "literal":
            var_index = 3
        else:
            raise RuleError(f"'{symbol.text}' is not of the form "
                            f"[+-]var[+-]const that Lava reads")
        variable = sub[var_index].value
        negated = sub[var_index - 1].value == "-"
        if negated:
            mantissa = -mantissa
    if symbol.kind == "sgn":
        if variable not in ("w", "d", "t"):
            raise RuleError(f"'{symbol.text}': sgn() applies only to w, d "
                            f"or t")
        if negated:
            raise RuleError(f"'{symbol.text}': the variable in sgn() cannot "
                            f"be negated")
    return variable, mantissa, exponent


def evaluate_product(symbols, ks):
    text = "".join(s.text for s in symbols)
    dependency, dependencies = None, []
    mantissa, exponent, factors = 1, 0, []
    for symbol in symbols:
        if symbol.kind == "op":
            if symbol.value == "-":
                mantissa = -mantissa
        elif symbol.kind in ("dependency", "uk"):
            dependencies.append(symbol.text)
            if symbol.kind == "uk":
                ks.add(symbol.value)
            if dependency is None:
                dependency = "u" if symbol.kind == "uk" else symbol.value
        elif symbol.kind == "literal":
            mantissa *= symbol.value.mantissa
            exponent += symbol.value.exponent
        elif symbol.kind == "variable":
            factors.append(symbol.value)
        else:
            factor, mantissa, exponent = sub_expression(symbol, mantissa,
                                                        exponent)
            if factor is not None:
                factors.append(factor)
    if not dependencies:
        raise RuleError(f"'{text}' has no dependency (x0, y0 or uK)")
    if len(dependencies) > 1:
        raise RuleError(f"'{text}' has {len(dependencies)} dependencies "
                        f"({', '.join(dependencies)}); a product takes "
                        f"exactly one")
    while abs(mantissa) > 7 and mantissa % 2 == 0 and exponent < 8:
        mantissa //= 2
        exponent += 1
    if not (-8 <= mantissa <= 7 and -7 <= exponent <= 8):
        raise RuleError(f"'{text}': its constant {mantissa}*2^{exponent} is "
                        f"outside Lava's range (mantissa -8..7, exponent "
                        f"-7..8)")
    return Product(text, dependency, mantissa, exponent, factors)


def parse_rule(text):
    """A Rule, or RuleError naming what Lava's parser would reject."""
    rhs = rule_rhs(text)
    expr = rhs.replace(" ", "")  # Lava strips spaces only
    if not expr:
        raise RuleError("the rule is empty")
    ks = set()
    products = [evaluate_product(p, ks) for p in split_products(lex(expr))]
    if len(ks) > 1:
        raise RuleError("uses " + " and ".join(f"u{k}" for k in sorted(ks)) +
                        "; Lava takes one decimation exponent K per rule")
    factors = set(f for p in products for f in p.factors)
    dependencies = set(p.dependency for p in products)
    return Rule(rhs, products, ks.pop() if ks else None, factors,
                dependencies)
