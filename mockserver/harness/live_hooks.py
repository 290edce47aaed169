"""Schemathesis hooks of a live run (`chatwoot-mock contract`), loaded by the Schemathesis child
through `SCHEMATHESIS_HOOKS`.

A JSON body that is not an object (`null`, `[]`, a number) is no parameters to Rails: where an empty
object is a valid request (`set_agent_bot` unlinks the bot, an update changes nothing), Chatwoot
answers it 200, and so does the mock. Schemathesis generates such bodies as negative data and would
call that 200 "schema-violating request accepted"; those failures only are dropped, as the
in-process suite drops them (contract_tests/harness.py). Every other failure stands.
"""

from __future__ import annotations

from typing import Any

import schemathesis

from mockserver.harness.live_spec import is_no_parameters


@schemathesis.hook("filter_failure")
def not_an_object_is_no_parameters(context: Any, failure: Any, case: Any, response: Any) -> bool:
    from schemathesis.core.failures import AcceptedNegativeData

    return not (isinstance(failure, AcceptedNegativeData) and is_no_parameters(case))
