"""A freedesktop notification server for tests, on whatever session bus the environment names.

It records every `Notify` call as one JSON line in the file given as argv[1], and offers a
test-only interface `org.paketpilot.TestControl` whose `Invoke(id, action)` emits
`ActionInvoked(id, action)` then `NotificationClosed(id, 2)`, as a real server does when the
user clicks a notification. Run: python -m tests.support.notification_server RECORD_FILE
"""

import asyncio
import json
import sys
from typing import Annotated, Any

from dbus_fast import BusType
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusDict, DBusInt32, DBusSignature, DBusStr, DBusUInt32
from dbus_fast.service import ServiceInterface, method, signal

BUS_NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"

# dbus-fast reads each D-Bus signature from the annotation's DBusSignature; mypy reads the type.
DBusStrings = Annotated[list[str], DBusSignature("as")]


class Notifications(ServiceInterface):
    def __init__(self, record_path: str) -> None:
        super().__init__(BUS_NAME)
        self._record_path = record_path
        self._next_id = 0

    @method()
    def GetCapabilities(self) -> DBusStrings:
        return ["actions", "body", "body-markup", "icon-static", "persistence"]

    @method()
    def GetServerInformation(self) -> Annotated[list[str], DBusSignature("ssss")]:
        return ["paketpilot-test", "paketpilot", "1.0", "1.2"]

    @method()
    def Notify(
        self,
        app_name: DBusStr,
        replaces_id: DBusUInt32,
        app_icon: DBusStr,
        summary: DBusStr,
        body: DBusStr,
        actions: DBusStrings,
        hints: DBusDict,
        expire_timeout: DBusInt32,
    ) -> DBusUInt32:
        self._next_id += 1
        record: dict[str, Any] = {
            "id": self._next_id,
            "app_name": app_name,
            "summary": summary,
            "body": body,
            "actions": list(actions),
        }
        with open(self._record_path, "a", encoding="utf-8") as out:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return self._next_id

    @method()
    def CloseNotification(self, notification_id: DBusUInt32) -> None:
        self.NotificationClosed(notification_id, 3)

    @signal()
    def ActionInvoked(
        self, notification_id: int, action_key: str
    ) -> Annotated[list[int | str], DBusSignature("us")]:
        return [notification_id, action_key]

    @signal()
    def NotificationClosed(
        self, notification_id: int, reason: int
    ) -> Annotated[list[int], DBusSignature("uu")]:
        return [notification_id, reason]


class TestControl(ServiceInterface):
    def __init__(self, server: Notifications) -> None:
        super().__init__("org.paketpilot.TestControl")
        self._server = server

    @method()
    def Invoke(self, notification_id: DBusUInt32, action: DBusStr) -> None:
        self._server.ActionInvoked(notification_id, action)
        self._server.NotificationClosed(notification_id, 2)


async def main(record_path: str) -> None:
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    server = Notifications(record_path)
    bus.export(PATH, server)
    bus.export(PATH, TestControl(server))
    await bus.request_name(BUS_NAME)
    print("ready", flush=True)
    await bus.wait_for_disconnect()  # type: ignore[no-untyped-call]  # unannotated in dbus-fast


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
