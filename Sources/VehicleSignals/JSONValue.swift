package import Foundation

/// A parsed JSON value that keeps booleans, integers and other numbers apart.
package enum JSONValue: Sendable, Hashable, Decodable {
  case null
  case bool(Bool)
  case int(Int64)
  case double(Double)
  case string(String)
  case array([JSONValue])
  case object([String: JSONValue])

  /// Decodes any JSON value, trying booleans before numbers so `true` never becomes `1`.
  package init(from decoder: any Decoder) throws {
    let container = try decoder.singleValueContainer()
    if container.decodeNil() {
      self = .null
    } else if let v = try? container.decode(Bool.self) {
      self = .bool(v)
    } else if let v = try? container.decode(Int64.self) {
      self = .int(v)
    } else if let v = try? container.decode(Double.self) {
      self = .double(v)
    } else if let v = try? container.decode(String.self) {
      self = .string(v)
    } else if let v = try? container.decode([JSONValue].self) {
      self = .array(v)
    } else {
      self = .object(try container.decode([String: JSONValue].self))
    }
  }

  /// Parses a JSON document; the error text carries the parser's position where it gives one.
  package static func parse(_ data: Data) throws(JSONParseError) -> JSONValue {
    do {
      return try JSONDecoder().decode(JSONValue.self, from: data)
    } catch let DecodingError.dataCorrupted(context) {
      let underlying = context.underlyingError.map { "\($0)" } ?? ""
      throw JSONParseError(message: underlying.isEmpty ? context.debugDescription : underlying)
    } catch {
      throw JSONParseError(message: "\(error)")
    }
  }

  /// The value as a number when it is one.
  package var number: Double? {
    switch self {
    case .int(let v): Double(v)
    case .double(let v): v
    default: nil
    }
  }

  /// The JSON type name, for messages.
  package var typeName: String {
    switch self {
    case .null: "null"
    case .bool: "boolean"
    case .int, .double: "number"
    case .string: "string"
    case .array: "array"
    case .object: "object"
    }
  }

  /// Converts to a signal value of the given type; `nil` when the JSON has another shape.
  package func signalValue(as type: SignalDataType) -> SignalValue? {
    switch (self, type) {
    case (.bool(let b), .boolean): return .bool(b)
    case (.string(let s), .string): return .string(s)
    case (.array(let items), .array(let element)):
      var values: [SignalValue] = []
      for item in items {
        guard let value = item.signalValue(as: element) else { return nil }
        values.append(value)
      }
      return .array(values)
    case (.int, _), (.double, _):
      guard let n = number, type.isNumeric else { return nil }
      if type.integerBounds != nil, n.rounded() != n { return nil }
      return SignalValue.number(n, as: type)
    default: return nil
    }
  }
}

/// A JSON document that does not parse.
package struct JSONParseError: Error {
  /// The parser's message.
  package let message: String
}
