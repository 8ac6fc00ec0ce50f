public import CabinDBus

/// The first message of `stream`, or `nil` if none arrives within `timeout`; the stream's
/// iteration ends either way.
public func firstMessage(of stream: AsyncStream<DBusMessage>, within timeout: Duration = .seconds(5)) async
  -> DBusMessage?
{
  await withTaskGroup(of: DBusMessage?.self) { group in
    group.addTask { await stream.first { _ in true } }
    group.addTask {
      try? await Task.sleep(for: timeout)
      return nil
    }
    let first = await group.next() ?? nil
    group.cancelAll()
    return first
  }
}
