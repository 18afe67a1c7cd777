#!/usr/bin/env python3
"""The calculate tool's own command: arguments on stdin, the result as JSON on stdout."""
import ast
import json
import operator
import sys

OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def ev(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in OPS:
        return OPS[type(node.op)](ev(node.left), ev(node.right))
    raise ValueError("unsupported expression")


print(json.dumps({"value": ev(ast.parse(json.load(sys.stdin)["expression"], mode="eval").body)}))
