from airflow import DAG
from airflow.providers.amazon.aws.operators.s3 import S3CreateObjectOperator

with DAG('example_s3_dag') as dag:
    task = S3CreateObjectOperator(
        task_id='s3_task',
        s3_bucket='lab-practice-bucket',
        s3_key='reports/daily.csv',
        data='id,value\n1,42\n',
        aws_conn_id='my_aws_conn_typo'
    )
