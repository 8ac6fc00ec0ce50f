/// A value or request that breaks a catalog rule, naming the signal and the rule.
public struct SignalValidationError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The rule that was broken.
  public enum Rule: String, Sendable, Equatable {
    /// The path is not in the catalog.
    case unknownSignal
    /// The value has the wrong type for the signal's datatype.
    case wrongType
    /// The value lies outside the signal's min/max or its datatype's range.
    case outOfRange
    /// The value is not in the signal's allowed list.
    case notAllowed
    /// A sensor or attribute was written as if it were an actuator.
    case notWritable
  }

  /// The signal path.
  public let path: String
  /// The rule.
  public let rule: Rule
  /// What exactly is wrong.
  public let reason: String

  /// Creates an error.
  public init(path: String, rule: Rule, reason: String) {
    self.path = path
    self.rule = rule
    self.reason = reason
  }

  /// `path: reason`.
  public var description: String { "\(path): \(reason)" }
}

extension SignalDefinition {
  /// Checks a value against the datatype, range and allowed list, and returns it in the canonical
  /// case for the datatype (an integer for a `float` becomes `.double`, and so on).
  public func validate(_ value: SignalValue) throws(SignalValidationError) -> SignalValue {
    if case .array(let elementType) = dataType {
      guard case .array(let items) = value else { throw wrongType(value) }
      var normalized: [SignalValue] = []
      for item in items { normalized.append(try validateScalar(item, as: elementType)) }
      return .array(normalized)
    }
    return try validateScalar(value, as: dataType)
  }

  /// Checks an actuation request: the signal must be an actuator and the value valid.
  public func validateActuation(_ value: SignalValue) throws(SignalValidationError) -> SignalValue {
    guard kind == .actuator else {
      throw SignalValidationError(
        path: path, rule: .notWritable, reason: "is a \(kind.rawValue), only actuators accept writes")
    }
    return try validate(value)
  }

  private func wrongType(_ value: SignalValue) -> SignalValidationError {
    SignalValidationError(
      path: path, rule: .wrongType, reason: "expects \(dataType), got \(value.kindName) \(value)")
  }

  private func validateScalar(_ value: SignalValue, as type: SignalDataType) throws(SignalValidationError)
    -> SignalValue
  {
    let normalized: SignalValue
    switch (type, value) {
    case (.boolean, .bool), (.string, .string):
      normalized = value
    case (_, .int), (_, .uint), (_, .double):
      guard type.isNumeric, let number = value.numericValue else { throw wrongType(value) }
      if type.integerBounds != nil, number.rounded() != number { throw wrongType(value) }
      guard let converted = SignalValue.number(number, as: type) else {
        throw SignalValidationError(
          path: path, rule: .outOfRange, reason: "value \(value) does not fit \(type)")
      }
      if let min, number < min {
        throw SignalValidationError(
          path: path, rule: .outOfRange, reason: "value \(value) is below min \(min)")
      }
      if let max, number > max {
        throw SignalValidationError(
          path: path, rule: .outOfRange, reason: "value \(value) is above max \(max)")
      }
      normalized = converted
    default:
      throw wrongType(value)
    }
    if let allowed, !allowed.contains(normalized) {
      throw SignalValidationError(
        path: path, rule: .notAllowed,
        reason: "value \(value) is not one of " + allowed.map(\.description).joined(separator: ", "))
    }
    return normalized
  }
}

extension SignalCatalog {
  /// Looks a signal up, failing with ``SignalValidationError/Rule/unknownSignal``.
  public func definition(_ path: String) throws(SignalValidationError) -> SignalDefinition {
    guard let definition = signals[path] else {
      throw SignalValidationError(path: path, rule: .unknownSignal, reason: "no such signal in the catalog")
    }
    return definition
  }
}
