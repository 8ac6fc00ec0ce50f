/// Element types that appear in safetensors headers, spelled as the format spells them.
public enum SafetensorsDType: String, Sendable, CaseIterable {
  /// Boolean, one byte.
  case bool = "BOOL"
  /// Unsigned 8-bit integer.
  case u8 = "U8"
  /// Signed 8-bit integer.
  case i8 = "I8"
  /// Signed 16-bit integer.
  case i16 = "I16"
  /// Unsigned 16-bit integer.
  case u16 = "U16"
  /// IEEE half precision.
  case f16 = "F16"
  /// bfloat16.
  case bf16 = "BF16"
  /// Signed 32-bit integer.
  case i32 = "I32"
  /// Unsigned 32-bit integer.
  case u32 = "U32"
  /// IEEE single precision.
  case f32 = "F32"
  /// IEEE double precision.
  case f64 = "F64"
  /// Signed 64-bit integer.
  case i64 = "I64"
  /// Unsigned 64-bit integer.
  case u64 = "U64"

  /// Bytes per element.
  public var byteWidth: Int {
    switch self {
    case .bool, .u8, .i8: 1
    case .i16, .u16, .f16, .bf16: 2
    case .i32, .u32, .f32: 4
    case .f64, .i64, .u64: 8
    }
  }
}
