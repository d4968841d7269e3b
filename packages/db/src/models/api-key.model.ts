import { Column, CreatedAt, DataType, Model, Table } from 'sequelize-typescript';

/** An API key. Only its SHA-256 is stored; the key itself is shown once, when it is created. */
@Table({ tableName: 'api_keys', timestamps: true, createdAt: 'created_at', updatedAt: false })
export class ApiKey extends Model {
  @Column({ type: DataType.UUID, primaryKey: true, defaultValue: DataType.UUIDV4 })
  declare id: string;

  @Column({ type: DataType.STRING(64), allowNull: false })
  declare tenant: string;

  @Column({ type: DataType.STRING(255), allowNull: false })
  declare name: string;

  /** Hex SHA-256 of the key. */
  @Column({ type: DataType.CHAR(64), allowNull: false, unique: true })
  declare key_sha256: string;

  @CreatedAt
  @Column({ type: DataType.DATE(3) })
  declare created_at: Date;

  @Column({ type: DataType.DATE(3), allowNull: true })
  declare revoked_at: Date | null;
}
