/// Why a model file (weights, vocabulary or configuration) cannot be used.
///
/// Every case names the file and, where one is involved, the tensor or line, so that a corrupt,
/// truncated or mismatched download is diagnosed from the message alone.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
  /// The file could not be opened or mapped.
  case unreadable(file: String, reason: String)
  /// The file ends before a structure it declares; `context` says what was being read.
  case truncated(file: String, context: String)
  /// The file's header does not follow the format; `reason` says which rule it breaks.
  case malformedHeader(file: String, reason: String)
  /// A tensor the model needs is not in the file.
  case missingTensor(file: String, tensor: String)
  /// A tensor has an element type the caller cannot use.
  case wrongDType(file: String, tensor: String, expected: String, actual: String)
  /// A tensor's shape differs from the one the model configuration implies.
  case wrongShape(file: String, tensor: String, expected: [Int], actual: [Int])
  /// A tensor's declared data does not fit the file or its shape.
  case badTensorData(file: String, tensor: String, reason: String)
  /// A text file (vocabulary, configuration) breaks a rule at a line, or as a whole when `line` is nil.
  case invalidContent(file: String, line: Int?, reason: String)

  /// A one-line message naming the file, the tensor or line, and the rule that failed.
  public var description: String {
    switch self {
    case .unreadable(let file, let reason):
      "\(file): cannot read model file: \(reason)"
    case .truncated(let file, let context):
      "\(file): file is truncated: it ends inside \(context)"
    case .malformedHeader(let file, let reason):
      "\(file): malformed header: \(reason)"
    case .missingTensor(let file, let tensor):
      "\(file): tensor '\(tensor)' is missing"
    case .wrongDType(let file, let tensor, let expected, let actual):
      "\(file): tensor '\(tensor)' has dtype \(actual), expected \(expected)"
    case .wrongShape(let file, let tensor, let expected, let actual):
      "\(file): tensor '\(tensor)' has shape \(actual), expected \(expected)"
    case .badTensorData(let file, let tensor, let reason):
      "\(file): tensor '\(tensor)': \(reason)"
    case .invalidContent(let file, let line?, let reason):
      "\(file):\(line): \(reason)"
    case .invalidContent(let file, nil, let reason):
      "\(file): \(reason)"
    }
  }
}
