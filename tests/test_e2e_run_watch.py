"""The end-to-end tests' wait for a finished run (tests/e2e/conftest.py RunWatch) follows the
server's messages, not the page's "running" attribute: fed the websocket frames of the cases a
loaded server produces, it waits exactly as long as a run is asked for or under way."""
from __future__ import annotations

import importlib.util
from pathlib import Path

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

_spec = importlib.util.spec_from_file_location("e2e_conftest_for_test",
                                               Path(__file__).resolve().parent / "e2e" / "conftest.py")
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)


def rerun() -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = ""
    return msg.SerializeToString()


def heartbeat() -> bytes:
    return BackMsg(app_heartbeat=True).SerializeToString()


def started() -> bytes:
    msg = ForwardMsg()
    msg.new_session.page_script_hash = "abc"
    return msg.SerializeToString()


def finished(status=ForwardMsg.FINISHED_SUCCESSFULLY) -> bytes:
    return ForwardMsg(script_finished=status).SerializeToString()


def delta() -> bytes:
    msg = ForwardMsg()
    msg.delta.new_element.markdown.body = "x"
    return msg.SerializeToString()


def test_a_click_waits_for_its_own_run_even_if_every_message_comes_at_once():
    w = e2e.RunWatch()
    assert w.settled                        # nothing asked yet (the page attribute says the same)
    w.sent(rerun())
    assert not w.settled                    # asked, not started: the old attribute said notRunning here
    for frame in (started(), delta(), delta()):
        w.received(frame)
        assert not w.settled
    w.received(finished())
    assert w.settled


def test_the_end_of_an_earlier_run_does_not_count_for_a_later_click():
    w = e2e.RunWatch()
    w.sent(rerun())
    w.received(started())
    w.sent(rerun())                         # a second request while the first run is on its way back
    w.received(finished())                  # the first run's end
    assert not w.settled
    w.received(started())
    w.received(finished())
    assert w.settled


def test_a_run_stopped_for_a_newer_request_is_not_the_end():
    w = e2e.RunWatch()
    w.sent(rerun())
    w.received(started())
    w.received(finished(ForwardMsg.FINISHED_EARLY_FOR_RERUN))
    assert not w.settled                    # st.rerun() or a newer click: another run follows
    w.received(started())
    w.received(finished())
    assert w.settled


def test_other_messages_and_text_frames_are_not_runs():
    w = e2e.RunWatch()
    w.sent(heartbeat())
    w.sent("text")
    w.received("text")
    assert w.settled


class _Socket:
    def __init__(self, url):
        self.url, self.handlers = url, {}

    def on(self, event, handler):
        self.handlers[event] = handler


def test_a_new_page_load_starts_a_new_count_and_only_the_app_socket_is_watched():
    w = e2e.RunWatch()
    w.sent(rerun())                         # left over from a page that was navigated away from
    other = _Socket("ws://127.0.0.1:1/some/other/socket")
    w.watch(other)
    assert other.handlers == {} and not w.settled
    app = _Socket("ws://127.0.0.1:1/_stcore/stream")
    w.watch(app)
    assert w.settled and set(app.handlers) == {"framesent", "framereceived"}
    app.handlers["framesent"](rerun())
    assert not w.settled
