#!/usr/bin/env python3
"""A calculator agent in plain Python (standard library only), run by the lab as a command subject.

The lab gives it OPENAI_BASE_URL, OPENAI_API_KEY, OPENAI_MODEL and LAB_TOOLS_URL, the input as
JSON on stdin; it prints its answer as one JSON document on stdout (docs/command-subjects.md).
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

TOOLS = [{
    "type": "function",
    "function": {
        "name": "calculate",
        "description": "Evaluates an arithmetic expression.",
        "parameters": {"type": "object", "properties": {"expression": {"type": "string"}},
                       "required": ["expression"]},
    },
}]


def post(url, body, headers=None):
    req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                 headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=60) as res:
        return json.load(res)


def call_tool(name, args):
    """The lab's tools client: POST ${LAB_TOOLS_URL}/<name> with the arguments; non-2xx is an error."""
    try:
        return post(f"{os.environ['LAB_TOOLS_URL']}/{name}", args)
    except urllib.error.HTTPError as e:
        return {"error": json.load(e).get("error", str(e))}


def chat(messages):
    url = f"{os.environ['OPENAI_BASE_URL']}/chat/completions"
    auth = {"authorization": f"Bearer {os.environ['OPENAI_API_KEY']}"}
    body = {"model": os.environ["OPENAI_MODEL"], "messages": messages, "tools": TOOLS}
    for attempt in range(2):  # one retry on 429, after the wait the server asks for
        try:
            return post(url, body, auth)
        except urllib.error.HTTPError as e:
            if e.code != 429 or attempt == 1:
                raise
            time.sleep(float(e.headers.get("retry-after-ms", "100")) / 1000)


def main():
    task = json.load(sys.stdin)
    messages = [{"role": "system", "content": "Solve the problem with the calculate tool. Answer JSON."},
                {"role": "user", "content": task["problem"]}]
    for _ in range(5):
        message = chat(messages)["choices"][0]["message"]
        messages.append(message)
        if not message.get("tool_calls"):
            print(json.dumps(json.loads(message["content"])))
            return
        for call in message["tool_calls"]:
            result = call_tool(call["function"]["name"], json.loads(call["function"]["arguments"]))
            print(f"tool {call['function']['name']} -> {result}", file=sys.stderr)
            messages.append({"role": "tool", "tool_call_id": call["id"], "content": json.dumps(result)})
    sys.exit("no answer after 5 turns")


if __name__ == "__main__":
    main()
